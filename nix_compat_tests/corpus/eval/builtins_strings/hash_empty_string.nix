map (t: builtins.hashString t "") [ "md5" "sha1" "sha256" "sha512" ]
