"""Operations: health and readiness probes, structured request logs, backups."""
