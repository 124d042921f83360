# A taste of the language pydock evaluates: `pydock eval --strict examples/hello.nix`
let
  greet = { name, punctuation ? "!" }: "Hello, ${name}${punctuation}";
  config = rec {
    user = "nix";
    home = "/home/${user}";
    paths = map (p: "${home}/${p}") [ "bin" "lib" ];
  };
in
{
  message = greet { name = config.user; };
  inherit (config) paths;
  sum = builtins.foldl' (a: b: a + b) 0 (builtins.genList (i: i * i) 10);
  sorted = builtins.sort builtins.lessThan [ 3 1 2 ];
}
