builtins.toJSON {
  Env = [ "PATH=/bin" "LANG=C.UTF-8" ];
  Cmd = [ "/bin/sh" "-c" "echo hi" ];
  ExposedPorts = { "80/tcp" = { }; };
  Labels = { "org.opencontainers.image.title" = "demo"; };
}
