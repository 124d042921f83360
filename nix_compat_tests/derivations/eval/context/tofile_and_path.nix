# toFile results and copied paths have plain `path = true` context.
let
  file = builtins.toFile "plain" "text";
  copied = "${../../fixtures/hello.txt}";
in {
  fileCtx = builtins.getContext file;
  pathCtx = builtins.getContext copied;
  user = derivation { name = "user"; system = "x86_64-linux"; builder = "/bin/sh"; inherit file copied; };
}
