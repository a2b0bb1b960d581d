//! A throwaway PostgreSQL cluster (`initdb` + `pg_ctl`) that a test may stop and start again on
//! the same directory and port. PostgreSQL refuses to run as root, so as root every command runs
//! as the `postgres` OS user. Stopped and removed on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

pub struct PgCluster {
    dir: TempDir,
    bin: PathBuf,
    pub port: u16,
    running: bool,
}

impl PgCluster {
    /// `initdb` in a fresh directory under /tmp, then starts the cluster on a free port.
    pub fn start_new() -> Self {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("tg-pg-")
            .tempdir_in("/tmp")
            .expect("cannot create the cluster directory");
        let chown = Command::new("chown")
            .args(["-R", "postgres"])
            .arg(dir.path())
            .status();
        assert!(
            !is_root() || chown.is_ok_and(|s| s.success()),
            "chown failed"
        );
        let data = dir.path().join("data");
        let initdb = bin.join("initdb");
        let data_arg = data.display().to_string();
        let init = run(
            &initdb,
            &["-D", &data_arg, "-A", "trust", "-U", "postgres", "-N"],
        );
        assert!(init.status.success(), "initdb failed: {}", text(&init));
        let mut cluster = Self {
            dir,
            bin,
            port: 0,
            running: false,
        };
        // A free port can be taken by someone else before the postmaster binds it: retry.
        for _ in 0..5 {
            cluster.port = free_port();
            if cluster.try_start().status.success() {
                cluster.running = true;
                return cluster;
            }
        }
        panic!("the throwaway cluster did not start: {}", cluster.log());
    }

    /// A URL for database `database` on this cluster.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts the cluster again (same directory, same port) and waits until it accepts.
    pub fn start(&mut self) {
        let output = self.try_start();
        assert!(output.status.success(), "pg_ctl start: {}", self.log());
        self.running = true;
    }

    /// Stops the cluster (`-m fast`: open connections are terminated) and waits until it is down.
    pub fn stop(&mut self) {
        let output = self.pg_ctl(&["-m", "fast", "-w", "-t", "60", "stop"]);
        assert!(output.status.success(), "pg_ctl stop: {}", text(&output));
        self.running = false;
    }

    fn try_start(&self) -> Output {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        // `-l`: the postmaster writes there, not into our pipe (else `output()` never ends).
        self.pg_ctl(&["-l", &log, "-o", &options, "-w", "-t", "60", "start"])
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        let data = self.dir.path().join("data").display().to_string();
        let mut all = vec!["-D", data.as_str()];
        all.extend_from_slice(args);
        run(&self.bin.join("pg_ctl"), &all)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.running {
            let _ = self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
        }
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`, else `pg_config --bindir`.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return bin;
    }
    let output = Command::new("pg_config").arg("--bindir").output();
    let output = output.expect("no /usr/lib/postgresql/*/bin/initdb and no pg_config");
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output();
    output.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL program, as the `postgres` user when we are root.
fn run(program: &Path, args: &[&str]) -> Output {
    let mut command = if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    };
    // A working directory the postgres user can enter.
    command.args(args).current_dir("/tmp");
    command.output().expect("cannot run a PostgreSQL program")
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("cannot bind a free port");
    listener.local_addr().expect("bound address").port()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
