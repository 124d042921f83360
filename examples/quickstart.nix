# The README's quick start: a layered image whose Cmd, a `#!/bin/sh` script, runs
# with the image's own shell.
#
#   pydock build examples/quickstart.nix -o image.tar && podman load < image.tar
#
# With a package index (`--packages FILE`, README: Packages) that has bash, the
# image's /bin/sh is nixpkgs' bash (`dockerTools.binSh`), as in nixpkgs. Without
# one it is `pkgs.pydockHostShell` (pydock-only): the host's /bin/sh with its ELF
# interpreter and libraries, copied into one content-addressed store path.
{ pkgs ? import <nixpkgs> { } }:
let
  inherit (pkgs) dockerTools;
  shell = if pkgs ? bash || pkgs ? bashInteractive then dockerTools.binSh else pkgs.pydockHostShell;
  greeting = pkgs.writeText "greeting" "Hello from a pydock image\n";
  hello = pkgs.writeScriptBin "hello" ''
    #!/bin/sh
    read -r line < ${greeting}
    echo "$line ($GREETING in $PWD)"
  '';
in
dockerTools.buildLayeredImage {
  name = "quickstart";
  tag = "v1";
  compressor = "none"; # a plain docker archive, which skopeo reads too
  contents = [ shell hello ];
  config = {
    Cmd = [ "/bin/hello" ];
    Env = [ "GREETING=pydock" "PATH=/bin" ];
    WorkingDir = "/data";
  };
  extraCommands = "mkdir -p data";
}
