# nix-shell images (dockerTools.streamNixShellImage / buildNixShellImage): an
# image whose entry point gives the environment `nix-shell` would give for a
# derivation: its variables, its inputs on PATH, its shellHook, then `run`
# (as a script) or `command` (in an interactive shell), or an interactive shell.
#
# The image needs `bash`, `coreutils` and `cacert` (and here `busybox`) from a
# package index (README: Packages), as nixpkgs' version takes them from nixpkgs:
#
#   pydock index --nixpkgs ~/src/nixpkgs -A bash -A bashInteractive -A coreutils -A cacert -A busybox -o index.json
#   podman load < $(pydock build --packages index.json examples/docker-nix-shell.nix -A run)
#   podman run --rm localhost/nix-shell-env:run            # prints the greeting, the file, "built greeting"
#   $(pydock build --packages index.json examples/docker-nix-shell.nix -A stream) | podman load
#   podman run --rm -it localhost/nix-shell-env:interactive  # a [nix-shell:/build]$ prompt
{ pkgs ? import <nixpkgs> { } }:
let
  inherit (pkgs) dockerTools;

  # An ordinary derivation of pydock's stdenv; `buildDerivation` builds it inside the image.
  greeting = pkgs.stdenv.mkDerivation {
    name = "greeting";
    nativeBuildInputs = [ pkgs.busybox ];
    buildCommand = ''
      busybox mkdir -p "$out/bin"
      printf '#!%s\necho built greeting\n' "$BASH" > "$out/bin/greet"
      busybox chmod +x "$out/bin/greet"
    '';
  };

  # A development shell: busybox on PATH, a variable, a file passed as `bigPath`, a hook.
  shell = pkgs.mkShell {
    packages = [ pkgs.busybox ];
    inputsFrom = [ greeting ];
    GREETING = "hello from the shell";
    passAsFile = [ "notes" ];
    notes = "passed as a file";
    shellHook = ''
      echo "shellHook ran"
    '';
  };
in
{
  inherit shell greeting;

  # `run`: a non-interactive script after the shellHook.
  run = dockerTools.buildNixShellImage {
    drv = shell;
    tag = "run";
    compressor = "none";
    run = ''
      echo "$GREETING"
      busybox cat "$notesPath"; echo
      echo "busybox at $(command -v busybox)"
      case $- in *i*) echo interactive ;; *) echo not interactive ;; esac
      echo "shell options: $-"
    '';
  };

  # `command`: the same in an interactive shell (it needs a terminal: `podman run -it`).
  command = dockerTools.streamNixShellImage {
    drv = shell;
    tag = "command";
    command = ''
      case $- in *i*) echo interactive ;; *) echo not interactive ;; esac
    '';
  };

  # The derivation built inside its own nix-shell image, then run.
  build = dockerTools.buildNixShellImage {
    drv = greeting;
    tag = "build";
    compressor = "gz";
    run = ''buildDerivation && "$out/bin/greet"'';
  };

  # No command: an interactive nix-shell (`podman run -it`).
  stream = dockerTools.streamNixShellImage { drv = shell; tag = "interactive"; };
}
