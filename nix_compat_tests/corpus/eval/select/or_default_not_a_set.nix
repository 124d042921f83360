{ a = 1; }.a.b or "not-a-set"
