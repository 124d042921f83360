let
  name = "demo";
  ports = [ 80 443 ];
in ''
  #!/bin/sh
  set -eu
  echo "starting ${name}"
  ${builtins.concatStringsSep "\n" (map (p: "listen ${toString p}") ports)}
  exec "$@"
''
