toString http://example.org
