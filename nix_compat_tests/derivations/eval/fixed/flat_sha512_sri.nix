# Flat fixed output with an SRI sha512 hash and no outputHashAlgo: the algorithm comes from the hash.
derivation {
  name = "fixed";
  system = "x86_64-linux";
  builder = "/bin/sh";
  outputHashMode = "flat";
  outputHash = "sha512-58IrmUxZ2c8rSOVJseJGZmNgRZMNPafBrLKZ0cO3+TH5Sq5B7dosKyB6NuEPi8uNRSI+VIePWzFufOO2vAGWKQ==";
}
