# Lists of Nix system strings for `meta.platforms`. Only the common groups.
{ lib }:
rec {
  linux = [
    "aarch64-linux" "armv5tel-linux" "armv6l-linux" "armv7a-linux" "armv7l-linux" "i686-linux"
    "loongarch64-linux" "m68k-linux" "microblaze-linux" "microblazeel-linux" "mips-linux" "mips64-linux"
    "mips64el-linux" "mipsel-linux" "powerpc64-linux" "powerpc64le-linux" "riscv32-linux" "riscv64-linux"
    "s390-linux" "s390x-linux" "x86_64-linux"
  ];
  darwin = [ "x86_64-darwin" "aarch64-darwin" ];
  freebsd = [ "aarch64-freebsd" "i686-freebsd" "x86_64-freebsd" ];
  unix = linux ++ darwin ++ freebsd;
  all = unix;
  x86_64 = builtins.filter (lib.hasPrefix "x86_64-") all;
  i686 = builtins.filter (lib.hasPrefix "i686-") all;
  x86 = x86_64 ++ i686;
  aarch64 = builtins.filter (lib.hasPrefix "aarch64-") all;
  arm = builtins.filter (lib.hasPrefix "arm") all;
}
