#!/usr/bin/env bash
# Measures where uploaded files' bytes live (issue 17): in the database, in chunks, as Switchboard stores them,
# against the ceiling of the alternative (a directory beside the SQLite file), in one run:
# - upload: `POST /conversations/messages/upload` of a file at the size limit, one after another, through the server as
#   the README starts it (release build, default configuration but for rate-limit budgets no run reaches, a SQLite
#   file), each timed by curl; the server's RSS before, after, and at peak;
# - the directory: the same bytes written as files (no sync, and fsync each, which a durable directory store needs);
# - download: `GET` of one stored file (wrk, 1 and 8 connections) against nginx serving the same bytes from a directory;
# - the database's growth against the bytes stored.
# Release build; wrk and nginx are installed with apt-get if missing. BENCH_FILES (default 100) files of 5 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."

files=${BENCH_FILES:-100}
duration=${BENCH_DURATION:-5s}
size=$((5 << 20))

# shellcheck source=scripts/bench-lib.sh
source scripts/bench-lib.sh
need wrk wrk
need nginx nginx
need curl curl
bench_setup bench-files

# The server as the README starts it, on a new SQLite file (its first start prints the location and a token), with
# rate limits on and budgets no run reaches, as in bench.sh: 100 uploads in a few seconds pass HighLevel's burst.
port=$(free_port)
"$bin" serve --port "$port" --database "$work/db.sqlite" --rate-limit-burst 1000000000 --rate-limit-daily 1000000000 \
    >"$work/serve.out" 2>"$work/serve.log" &
server=$!
pids+=("$server")
base="http://127.0.0.1:$port"
until grep -q '^listening on' "$work/serve.out" 2>/dev/null; do
    sleep 0.05
    kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
done
location=$(sed -n 's/^location: //p' "$work/serve.out")
token=$(sed -n 's/^token: //p' "$work/serve.out")
auth=(-H "Authorization: Bearer $token" -H "Version: 2021-04-15")
contact=$(curl -sf "${auth[@]}" -H "Content-Type: application/json" \
    -d "{\"locationId\":\"$location\",\"firstName\":\"Bench\",\"phone\":\"+15550100\"}" "$base/contacts/" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["contact"]["id"])')
conversation=$(curl -sf "${auth[@]}" -H "Content-Type: application/json" \
    -d "{\"type\":\"SMS\",\"contactId\":\"$contact\",\"message\":\"files\"}" "$base/conversations/messages" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["conversationId"])')

head -c "$size" /dev/urandom >"$work/clip.mp4"
rss() { awk -v key="$2" '$1 == key":" { print int($2 / 1024) }' "/proc/$1/status"; }
database_bytes() { du -cb "$work"/db.sqlite* | tail -1 | cut -f1; }

echo "bench-files.sh: uploading $files files of $size bytes" >&2
rss_before=$(rss "$server" VmRSS)
db_before=$(database_bytes)
# Each upload's time as curl measured it (connection to last byte of the answer), summed: not the processes' starts.
rss_samples=()
for index in $(seq "$files"); do
    curl -sf -o "$work/upload.json" -w '%{time_total}\n' "${auth[@]}" -F "conversationId=$conversation" \
        -F "contactId=$contact" -F "locationId=$location" -F "fileAttachment=@$work/clip.mp4" \
        "$base/conversations/messages/upload" >>"$work/upload-times"
    ((index % (files / 5 > 0 ? files / 5 : 1) == 0)) && rss_samples+=("$index: $(rss "$server" VmRSS)")
done
upload_ms=$(awk '{ total += $1 } END { printf "%.0f", total * 1000 }' "$work/upload-times")
url=$(python3 -c 'import json,sys; print(next(iter(json.load(open(sys.argv[1]))["uploadedFiles"].values())))' "$work/upload.json")
rss_after=$(rss "$server" VmRSS)
rss_peak=$(rss "$server" VmHWM)
db_after=$(database_bytes)
path="/${url#*://*/}"
curl -sf "$base$path" -o "$work/back.mp4"
cmp -s "$work/clip.mp4" "$work/back.mp4" || { echo "bench-files.sh: the served file differs from the upload" >&2; exit 1; }

echo "bench-files.sh: writing the same bytes as files in a directory" >&2
read -r plain_ms synced_ms < <(python3 - "$work/clip.mp4" "$work/dir" "$files" <<'PY'
import os, sys, time
source, folder, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(source, "rb").read()
os.makedirs(folder)
def write_all(sync):
    started = time.monotonic()
    for index in range(count):
        path = os.path.join(folder, f"{sync}-{index}")
        with open(path + ".part", "wb") as file:
            file.write(data)
            if sync:
                file.flush(); os.fsync(file.fileno())
        os.rename(path + ".part", path)
    return int((time.monotonic() - started) * 1000)
print(write_all(False), write_all(True))
PY
)

# One client, then eight: wrk's requests/s times the file's size.
download() {
    local url=$1 clients=$2 out
    out=$(wrk -t"$((clients < 2 ? clients : 2))" -c"$clients" -d"$duration" "$url")
    awk -v size="$size" '/Requests\/sec/ { printf "%.0f", $2 * size / 1048576 }' <<<"$out"
}
echo "bench-files.sh: downloads" >&2
switchboard_1=$(download "$base$path" 1)
switchboard_8=$(download "$base$path" 8)
mkdir -p "$work/www"
cp "$work/clip.mp4" "$work/www/clip.mp4"
nginx_port=$(free_port)
start_nginx "$work" "$nginx_port" off "root $work/www;"
nginx_1=$(download "http://127.0.0.1:$nginx_port/clip.mp4" 1)
nginx_8=$(download "http://127.0.0.1:$nginx_port/clip.mp4" 8)

mib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1048576 }'; }
rate() { awk -v n="$files" -v size="$size" -v ms="$1" 'BEGIN { printf "%.0f", n * size / 1048576 / (ms / 1000) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
stored=$((files * size))
printf '\n%s, %s cores; %s files of 5 MiB (random bytes), one after another; downloads: wrk -d%s\n\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc)" "$files" "$duration"
printf '| what | MiB/s | ratio |\n| --- | ---: | ---: |\n'
printf '| upload through the server (multipart), bytes into SQLite chunks | %s | 1.00 |\n' "$(rate "$upload_ms")"
printf '| the same bytes written as files in a directory, no sync | %s | %s |\n' "$(rate "$plain_ms")" "$(ratio "$(rate "$plain_ms")" "$(rate "$upload_ms")")"
printf '| the same bytes written as files in a directory, fsync each | %s | %s |\n' "$(rate "$synced_ms")" "$(ratio "$(rate "$synced_ms")" "$(rate "$upload_ms")")"
printf '| download from the server, 1 connection | %s | 1.00 |\n' "$switchboard_1"
printf '| nginx serving the file from a directory, 1 connection | %s | %s |\n' "$nginx_1" "$(ratio "$nginx_1" "$switchboard_1")"
printf '| download from the server, 8 connections | %s | 1.00 |\n' "$switchboard_8"
printf '| nginx serving the file from a directory, 8 connections | %s | %s |\n' "$nginx_8" "$(ratio "$nginx_8" "$switchboard_8")"
printf '\nserver RSS: %s MB before the uploads, %s MB after, %s MB at peak (after N uploads: %s MB); the database grew by %s MiB for %s MiB stored (%s)\n' \
    "$rss_before" "$rss_after" "$rss_peak" "$(IFS=,; echo "${rss_samples[*]}" | sed 's/,/, /g')" \
    "$(mib $((db_after - db_before)))" "$(mib "$stored")" "$(ratio $((db_after - db_before)) "$stored")"
