import ../../fixtures/importable_dir
