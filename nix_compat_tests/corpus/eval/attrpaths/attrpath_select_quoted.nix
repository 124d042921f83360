let s = { "foo bar" = { "x.y" = 5; }; }; in s."foo bar"."x.y"
