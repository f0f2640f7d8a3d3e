# Shared by scripts/bench.sh and scripts/bench-webhooks.sh (sourced): a free port, the clock, and nginx.

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }

# Starts nginx (2 workers) on port $2 with its files in $1; $3 is the access log ("off" for none), $4 the body of
# `location /`. The caller's cleanup stops it through $1/nginx.pid.
start_nginx() {
    local work=$1 port=$2 access_log=$3 location=$4
    cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log $access_log;
    default_type application/json;
    client_body_temp_path $work/nginx-body;
    server {
        listen 127.0.0.1:$port;
        location / { $location }
    }
}
CONF
    nginx -c "$work/nginx.conf" -p "$work"
}
