# A synthetic closure for bench/substitute_bench.py: LAYERS layers of WIDTH paths, each
# path referring to three paths of the layer below, plus one root referring to the top
# layer; file contents are half random bytes, half base64 text (so xz has something to do).
{ layers ? 20, width ? 100, avgSize ? 150000, tag ? "pydock-bench-v1" }:
let
  sys = builtins.currentSystem;
  mod = a: b: a - b * (a / b);
  size = l: i: 20000 + mod (i * 7919 + l * 104729) (2 * (avgSize - 20000));
  mk = name: refs: bytes: derivation {
    name = "${tag}-${name}";
    system = sys;
    builder = "/bin/sh";
    args = [ "-c" ''
      /bin/busybox mkdir -p $out/bin $out/share
      /bin/busybox head -c ${toString (bytes / 2)} /dev/urandom > $out/bin/blob
      /bin/busybox head -c ${toString (bytes * 3 / 8)} /dev/urandom | /bin/busybox base64 > $out/share/text
      /bin/busybox echo ${builtins.concatStringsSep " " (map toString refs)} > $out/share/refs
    '' ];
  };
  layer = l: builtins.genList (i:
    let below = builtins.elemAt layerList (l - 1);
        pick = k: builtins.elemAt below (mod (i * k + l) width);
    in mk "l${toString l}-${toString i}" (if l == 0 then [ ] else [ (pick 7) (pick 13) (pick 31) ]) (size l i)
  ) width;
  layerList = builtins.genList layer layers;
in mk "root" (builtins.elemAt layerList (layers - 1)) 1000
