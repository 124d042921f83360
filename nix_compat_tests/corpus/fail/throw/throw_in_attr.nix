{ a = throw "in attr"; }
