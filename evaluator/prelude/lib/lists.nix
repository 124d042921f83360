# List functions. Most are thin layers over builtins; the rest are written
# with `genList`/`elemAt` so they stay linear and non-recursive where possible.
{ lib }:
let
  inherit (builtins) length elemAt genList filter elem;
in
rec {
  inherit (builtins)
    head tail length elem elemAt filter map genList concatLists concatMap
    all any sort partition groupBy
    ;

  singleton = x: [ x ];
  forEach = xs: f: map f xs;
  toList = x: if builtins.isList x then x else [ x ];
  optional = cond: elem: if cond then [ elem ] else [ ];
  optionals = cond: elems: if cond then elems else [ ];

  # Right fold: `foldr f z [ a b ]` is `f a (f b z)`.
  foldr = op: nul: list:
    let
      n = length list;
      go = i: if i == n then nul else op (elemAt list i) (go (i + 1));
    in
    go 0;
  # Lazy left fold: `foldl f z [ a b ]` is `f (f z a) b`.
  foldl = op: nul: list:
    let
      go = i: if i < 0 then nul else op (go (i - 1)) (elemAt list i);
    in
    go (length list - 1);
  # Strict left fold that also forces the initial accumulator.
  foldl' = op: acc: builtins.seq acc (builtins.foldl' op acc);

  imap0 = f: list: genList (i: f i (elemAt list i)) (length list);
  imap1 = f: list: genList (i: f (i + 1) (elemAt list i)) (length list);
  ifilter0 = pred: list:
    map (i: elemAt list i) (filter (i: pred i (elemAt list i)) (genList (i: i) (length list)));

  flatten = x: if builtins.isList x then concatMap flatten x else [ x ];
  remove = e: filter (x: x != e);
  count = pred: builtins.foldl' (n: x: if pred x then n + 1 else n) 0;

  # Index of the first element satisfying `pred`, or `default`.
  findFirstIndex = pred: default: list:
    let
      n = length list;
      go = i: if i == n then default else if pred (elemAt list i) then i else go (i + 1);
    in
    go 0;
  findFirst = pred: default: list:
    let i = findFirstIndex pred null list; in if i == null then default else elemAt list i;
  findSingle = pred: default: multiple: list:
    let found = filter pred list; in
    if found == [ ] then default else if length found > 1 then multiple else builtins.head found;

  range = first: last: if first > last then [ ] else genList (i: first + i) (last - first + 1);
  replicate = n: x: genList (_: x) n;

  zipListsWith = f: fst: snd: genList (i: f (elemAt fst i) (elemAt snd i)) (lib.min (length fst) (length snd));
  zipLists = zipListsWith (fst: snd: { inherit fst snd; });
  reverseList = xs: let n = length xs; in genList (i: elemAt xs (n - 1 - i)) n;

  # `count` elements starting at `start`, clipped to the list.
  sublist = start: count: list:
    let
      n = length list;
      size = if start >= n then 0 else if start + count > n then n - start else count;
    in
    genList (i: elemAt list (start + i)) size;
  take = count: sublist 0 count;
  drop = count: list: sublist count (length list) list;
  last = list:
    assert lib.assertMsg (list != [ ]) "lists.last: list must not be empty!";
    elemAt list (length list - 1);
  init = list:
    assert lib.assertMsg (list != [ ]) "lists.init: list must not be empty!";
    take (length list - 1) list;

  # First occurrence kept, order preserved.
  unique = builtins.foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  intersectLists = e: filter (x: elem x e);
  subtractLists = e: filter (x: !(elem x e));
  mutuallyExclusive = a: b: length a == 0 || !(any (x: elem x a) b);

  compareLists = cmp: a: b:
    if a == [ ] then (if b == [ ] then 0 else -1)
    else if b == [ ] then 1
    else
      let r = cmp (builtins.head a) (builtins.head b); in
      if r == 0 then compareLists cmp (builtins.tail a) (builtins.tail b) else r;

  # `crossLists f [ xs ys ]` applies `f x y` to every combination, xs outermost.
  crossLists = f: builtins.foldl' (fs: xs: concatMap (g: map g xs) fs) [ f ];

  sortOn = f: list:
    map (p: p.v) (builtins.sort (a: b: a.k < b.k) (map (v: { k = f v; inherit v; }) list));
}
