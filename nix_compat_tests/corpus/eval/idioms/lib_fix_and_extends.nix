let
  fix = f: let x = f x; in x;
  extends = overlay: f: (self: let super = f self; in super // overlay self super);
  base = self: { a = 1; b = self.a + 1; };
  overlay = self: super: { a = 10; c = super.b * 2; };
in fix (extends overlay base)
