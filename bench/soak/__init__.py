"""The parts of the soak (bench/soak.py), one concern each:

    server.py    the release build, the server process and its settings, the throwaway databases
    mail.py      the outbox reader that hands reset and verification links to the simulated users
    load.py      the simulated users: their scripted cycle, paced, over keep-alive connections
    probes.py    what is sampled while the load runs: RSS, CPU, database size and row counts
    verdicts.py  the per-minute table, the pass/fail checks, bench/results/soak-<backend>.md/.json
"""
