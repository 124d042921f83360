let
  versionOlder = v1: v2: builtins.compareVersions v2 v1 == 1;
  majorMinor = v: builtins.concatStringsSep "." (builtins.genList (builtins.elemAt (builtins.splitVersion v)) 2);
in [ (versionOlder "2.7" "2.8") (versionOlder "2.10" "2.9") (majorMinor "2.8.1") ]
