# Sourced by ops/backup-db and ops/restore-db: reads a DATABASE_URL the way the site does
# (dj-database-url) into
#   db_kind      postgresql or sqlite
#   db_url       PostgreSQL: the URL without its password (for pg_dump, pg_restore, psql)
#   PGPASSWORD   PostgreSQL: the password, exported, so it never shows in `ps` output
#   db_path      SQLite: the database file (sqlite:////abs/path, or sqlite:///path relative to here)

read_database_url() {
  local url=$1
  case "$url" in
    postgres://* | postgresql://*)
      db_kind=postgresql
      local parsed
      parsed=$(python3 - "$url" <<'PY'
import sys
from urllib.parse import unquote, urlsplit, urlunsplit

parts = urlsplit(sys.argv[1])
userinfo, at, host = parts.netloc.rpartition("@")
user, colon, password = userinfo.partition(":")
print(urlunsplit(parts._replace(netloc=f"{user}{at}{host}")))
print(unquote(password))
PY
      )
      db_url=${parsed%%$'\n'*}
      local password=${parsed#*$'\n'}
      if [[ -n "$password" ]]; then
        export PGPASSWORD=$password
      fi
      ;;
    sqlite://*)
      db_kind=sqlite
      db_path=${url#sqlite://}
      db_path=${db_path#/}
      db_path=${db_path%%\?*}
      if [[ -z "$db_path" || "$db_path" == ":memory:" ]]; then
        echo "an in-memory SQLite database cannot be backed up or restored" >&2
        return 1
      fi
      ;;
    *)
      echo "DATABASE_URL must be postgres://... or sqlite://..." >&2
      return 1
      ;;
  esac
}

# The Python with the sqlite3 module, for machines without the sqlite3 command.
python_for_sqlite() {
  local project=$1
  if [[ -x "$project/.venv/bin/python" ]]; then echo "$project/.venv/bin/python"; else echo python3; fi
}
