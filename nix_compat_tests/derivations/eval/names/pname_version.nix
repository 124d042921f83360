# pname and version are plain attributes; only `name` names the store paths.
derivation {
  pname = "ignored-for-paths";
  version = "1.0";
  name = "real-name-1.0";
  system = "x86_64-linux";
  builder = "/bin/sh";
}
