[ http://example.org/foo?bar=1&baz=2 https://nixos.org mailto:someone@example.com ]
