# Small general-purpose functions: identity and friends, booleans, numbers,
# warnings and errors, and function introspection that also understands
# functors (sets with `__functor`).
{ lib }:
let
  inherit (builtins) isString;
in
rec {
  id = x: x;
  const = x: _: x;
  flip = f: a: b: f b a;

  # `pipe v [ f g ]` is `g (f v)`: the functions apply left to right.
  pipe = builtins.foldl' (acc: f: f acc);

  concat = a: b: a ++ b;
  or = a: b: a || b;
  and = a: b: a && b;
  xor = a: b: (!a) != (!b);
  boolToString = b: if b then "true" else "false";
  mergeAttrs = a: b: a // b;

  bitAnd = builtins.bitAnd;
  bitOr = builtins.bitOr;
  bitXor = builtins.bitXor;
  bitNot = builtins.sub (-1);

  # A value, or `default` when it is null.
  defaultTo = default: value: if value == null then default else value;
  mapNullable = f: a: if a == null then a else f a;

  min = a: b: if a < b then a else b;
  max = a: b: if a > b then a else b;
  # Remainder with the sign of the dividend, like C's `%`.
  mod = base: int: base - int * builtins.div base int;
  compare = a: b: if a < b then -1 else if a > b then 1 else 0;
  # Order values by whether `p` holds (those first), then by `yes` or `no`.
  splitByAndCompare = p: yes: no: a: b:
    if p a then (if p b then yes a b else -1) else if p b then 1 else no a b;

  importJSON = path: builtins.fromJSON (builtins.readFile path);
  importTOML = path: builtins.fromTOML (builtins.readFile path);

  seq = builtins.seq;
  deepSeq = builtins.deepSeq;
  inNixShell = builtins.getEnv "IN_NIX_SHELL" != "";

  # Warnings go to stderr through `trace`, with nixpkgs' colour codes (Nix 2.8 has no
  # `builtins.warn`); NIX_ABORT_ON_WARN turns them into errors.
  warn =
    let
      abortOnWarn = builtins.elem (builtins.getEnv "NIX_ABORT_ON_WARN") [ "1" "true" "yes" ];
      esc = builtins.fromJSON ''"\u001b"'';
    in
    msg: value:
    assert isString msg;
    if abortOnWarn then
      builtins.trace "${esc}[1;31mevaluation warning:${esc}[0m ${msg}" (
        abort "NIX_ABORT_ON_WARN=true; warnings are treated as unrecoverable errors."
      )
    else
      builtins.trace "${esc}[1;35mevaluation warning:${esc}[0m ${msg}" value;
  warnIf = cond: msg: if cond then warn msg else id;
  warnIfNot = cond: msg: if cond then id else warn msg;
  info = msg: builtins.trace "INFO: ${msg}";
  throwIf = cond: msg: if cond then throw msg else id;
  throwIfNot = cond: msg: if cond then id else throw msg;

  # Functions, including sets with `__functor`.
  isFunction = f: builtins.isFunction f || (f ? __functor && isFunction (f.__functor f));
  functionArgs = f:
    if f ? __functor then f.__functionArgs or (functionArgs (f.__functor f)) else builtins.functionArgs f;
  setFunctionArgs = f: args: {
    __functor = _: f;
    __functionArgs = args;
  };
  # `mirrorFunctionArgs f g` is `g` advertising the formal arguments of `f`.
  mirrorFunctionArgs = f: let fArgs = functionArgs f; in g: setFunctionArgs g fArgs;
  toFunction = v: if isFunction v then v else _: v;

  # Digits of a non-negative integer in `base`, most significant first.
  toBaseDigits = base: i:
    let
      go = n: if n < base then [ n ] else go (builtins.div n base) ++ [ (n - base * builtins.div n base) ];
    in
    assert base >= 2;
    assert i >= 0;
    go i;
  toHexString = i:
    builtins.concatStringsSep "" (map (d: builtins.substring d 1 "0123456789ABCDEF") (toBaseDigits 16 i));
}
