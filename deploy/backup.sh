#!/bin/sh
# backup.sh HOME DEST [DATABASE]: what cannot be rebuilt, in DEST/<date>/.
#   home.tar.gz  the home without what a run rebuilds (warehouse/, data-docs/, the dbt
#                target, DuckDB's spill folder, Dagster's compute logs): reseau.toml, reference/, sources/,
#                landing/, rejected/, published/ and the Dagster folder's settings
#   dagster.dump pg_dump -Fc of the Dagster database (run history, schedule and sensor
#                state), when DATABASE is given; restore with pg_restore
# Keeps the last 14 days. Run as the reseau user (peer authentication to PostgreSQL).
set -eu
home=$1 dest=$2 database=${3:-}
day=$(date +%F)
mkdir -p "$dest/$day"
tar -C "$(dirname "$home")" -czf "$dest/$day/home.tar.gz.part" \
    --exclude="./$(basename "$home")/warehouse" --exclude="./$(basename "$home")/data-docs" \
    --exclude="./$(basename "$home")/.reseau/dbt" --exclude="./$(basename "$home")/.reseau/spill" \
    --exclude="./$(basename "$home")/.reseau/dagster/storage" \
    "./$(basename "$home")"
mv "$dest/$day/home.tar.gz.part" "$dest/$day/home.tar.gz"
if [ -n "$database" ]; then
    pg_dump -Fc -f "$dest/$day/dagster.dump.part" "$database"
    mv "$dest/$day/dagster.dump.part" "$dest/$day/dagster.dump"
fi
find "$dest" -mindepth 1 -maxdepth 1 -type d -mtime +14 -exec rm -rf {} +
echo "backup of $home in $dest/$day"
