# A platform description (`stdenv.hostPlatform` & co) for a Nix system string
# such as "x86_64-linux": the fields dockerTools-style code reads.
{ lib }:
system:
let
  parts = lib.splitString "-" system;
  cpu = builtins.head parts;
  kernel = lib.last parts;
  bits64 = [ "x86_64" "aarch64" "riscv64" "powerpc64" "powerpc64le" "s390x" "mips64" "mips64el" "loongarch64" ];
in
{
  inherit system;
  config =
    if kernel == "linux" then "${cpu}-unknown-linux-gnu"
    else if kernel == "darwin" then "${cpu}-apple-darwin"
    else "${cpu}-unknown-${kernel}";
  parsed = {
    cpu = { name = cpu; bits = if builtins.elem cpu bits64 then 64 else 32; };
    kernel = { name = kernel; };
  };
  isLinux = kernel == "linux";
  isDarwin = kernel == "darwin";
  isFreeBSD = kernel == "freebsd";
  isx86_64 = cpu == "x86_64";
  isi686 = cpu == "i686";
  isx86 = cpu == "x86_64" || cpu == "i686";
  isAarch64 = cpu == "aarch64";
  isAarch32 = lib.hasPrefix "arm" cpu;
  isAarch = cpu == "aarch64" || lib.hasPrefix "arm" cpu;
  isRiscV64 = cpu == "riscv64";
  isPower64 = lib.hasPrefix "powerpc64" cpu;
  isS390x = cpu == "s390x";
  is64bit = builtins.elem cpu bits64;
  is32bit = !(builtins.elem cpu bits64);
  isStatic = false;
  isMusl = false;
  libc = if kernel == "linux" then "glibc" else if kernel == "darwin" then "libSystem" else null;
  extensions = { executable = ""; sharedLibrary = if kernel == "darwin" then ".dylib" else ".so"; };
  # The Linux kernel's name for the architecture (`ARCH=` of its build).
  linuxArch = {
    x86_64 = "x86_64"; i686 = "i386"; aarch64 = "arm64"; armv5tel = "arm"; armv6l = "arm"; armv7l = "arm";
    armv7a = "arm"; riscv64 = "riscv"; powerpc64le = "powerpc"; powerpc64 = "powerpc"; s390x = "s390";
  }.${cpu} or cpu;
  # Go's names, which are also the OCI image `architecture`/`os` values.
  go = {
    GOARCH = {
      x86_64 = "amd64"; i686 = "386"; aarch64 = "arm64"; armv5tel = "arm"; armv6l = "arm"; armv7l = "arm";
      armv7a = "arm"; riscv64 = "riscv64"; powerpc64le = "ppc64le"; powerpc64 = "ppc64"; s390x = "s390x";
      mips64el = "mips64le"; mipsel = "mipsle"; loongarch64 = "loong64";
    }.${cpu} or null;
    GOOS = kernel;
  };
  uname = {
    system = { linux = "Linux"; darwin = "Darwin"; freebsd = "FreeBSD"; }.${kernel} or null;
    processor = cpu;
  };
  canExecute = other: other.system == system || (system == "x86_64-linux" && other.system == "i686-linux");
}
