map (t: builtins.hashFile t ../../fixtures/text.txt) [ "md5" "sha1" "sha512" ]
