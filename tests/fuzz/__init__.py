"""A differential fuzzer: random programs run on insitu and on PyTorch, compared.

    generate.py, templates/   random programs over a broad slice of the API (program.py: as data)
    execute.py                runs a program on one library and records what can be observed
    compare.py                the first mismatch of two records, less docs/differences.md
    shrink.py                 a failing program cut down to a minimal runnable reproducer
    driver.py, worker.py      what the CLI and the tests share; a deep run's worker process

`python -m tests.fuzz --n 100000 --seed S --jobs 2` runs deep; test_fuzz.py runs a fixed seed in
CI; test_reproducers.py keeps the shrunk reproducers of the divergences found.
"""
