let
  composeExtensions = f: g: self: super: let fApplied = f self super; super' = super // fApplied; in fApplied // g self super';
  base = self: { x = 1; y = self.x * 10; };
  o1 = self: super: { x = super.x + 1; };
  o2 = self: super: { z = super.x + self.y; };
  fix = f: let r = f r; in r;
in fix (self: let b = base self; in b // composeExtensions o1 o2 self b)
