# Lists of Nix system strings for `meta.platforms`: the common groups, each the
# systems nixpkgs knows (`all`, in nixpkgs' order) filtered by CPU or kernel.
{ lib }:
let
  kernel = s: lib.last (lib.splitString "-" s);
  cpu = s: builtins.head (lib.splitString "-" s);
  withKernel = kernels: builtins.filter (s: builtins.elem (kernel s) kernels) all;
  withCpu = pred: builtins.filter (s: pred (cpu s)) all;
  all = [
    "i686-cygwin" "x86_64-cygwin" "x86_64-darwin" "aarch64-darwin" "i686-freebsd" "x86_64-freebsd"
    "aarch64-freebsd" "aarch64-genode" "i686-genode" "x86_64-genode" "x86_64-solaris" "javascript-ghcjs"
    "aarch64-linux" "arc-linux" "armv5tel-linux" "armv6l-linux" "armv7a-linux" "armv7l-linux" "i686-linux"
    "loongarch64-linux" "m68k-linux" "sh4-linux" "microblaze-linux" "microblazeel-linux" "mips-linux"
    "mips64-linux" "mips64el-linux" "mipsel-linux" "powerpc-linux" "powerpc64-linux" "powerpc64le-linux"
    "riscv32-linux" "riscv64-linux" "s390-linux" "s390x-linux" "x86_64-linux" "mmix-mmixware"
    "aarch64-netbsd" "armv6l-netbsd" "armv7a-netbsd" "armv7l-netbsd" "i686-netbsd" "m68k-netbsd"
    "mipsel-netbsd" "powerpc-netbsd" "riscv32-netbsd" "riscv64-netbsd" "x86_64-netbsd" "aarch64_be-none"
    "aarch64-none" "arm-none" "armv6l-none" "avr-none" "i686-none" "microblaze-none" "microblazeel-none"
    "mips-none" "mips64-none" "msp430-none" "or1k-none" "m68k-none" "powerpc-none" "powerpcle-none"
    "riscv32-none" "riscv64-none" "rx-none" "s390-none" "s390x-none" "vc4-none" "x86_64-none"
    "i686-openbsd" "x86_64-openbsd" "x86_64-redox" "wasm64-wasi" "wasm32-wasi" "aarch64-windows"
    "x86_64-windows" "i686-windows" "aarch64-uefi" "x86_64-uefi"
  ];
in
{
  inherit all;
  linux = withKernel [ "linux" ];
  darwin = withKernel [ "darwin" ];
  freebsd = withKernel [ "freebsd" ];
  unix = withKernel [ "cygwin" "darwin" "freebsd" "solaris" "linux" "netbsd" "openbsd" "redox" ];
  x86_64 = withCpu (c: c == "x86_64");
  i686 = withCpu (c: c == "i686");
  x86 = withCpu (c: c == "x86_64" || c == "i686");
  aarch64 = withCpu (lib.hasPrefix "aarch64");
  arm = withCpu (lib.hasPrefix "arm");
}
