//! A throwaway PostgreSQL server for one test: `initdb` and `pg_ctl` in a temporary folder,
//! listening only on a Unix socket there (no TCP port), stopped when dropped. Tests run as
//! root and `initdb` refuses root, so the server tools run as the `postgres` user. Where the
//! binaries are missing the test fails and says so: a database test without a database
//! tests nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct ThrowawayPostgres {
    folder: tempfile::TempDir,
    bin: PathBuf,
    /// A `postgres://` URL for the bot's config: user `bot`, the socket folder as host.
    pub url: String,
}

/// Where the server binaries are: on PATH, or in Debian's versioned folders.
fn server_binaries() -> Option<PathBuf> {
    let on_path =
        std::env::var_os("PATH").into_iter().flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().flatten().map(|e| e.path().join("bin"));
    on_path.chain(debian).find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

impl ThrowawayPostgres {
    pub fn start() -> ThrowawayPostgres {
        let bin = server_binaries().expect(
            "this test needs a PostgreSQL server's initdb and pg_ctl (on PATH or in /usr/lib/postgresql/*/bin): \
             install the PostgreSQL server package",
        );
        let folder = tempfile::tempdir().unwrap();
        let dir = folder.path();
        run(Command::new("chown").arg("postgres").arg(dir));
        let data = dir.join("data");
        run(as_postgres(&bin, "initdb").arg("-D").arg(&data).args(["-A", "trust", "-U", "bot", "--no-sync"]));
        let options = format!("-k {} -c listen_addresses='' -c fsync=off", dir.display());
        run(as_postgres(&bin, "pg_ctl")
            .arg("-D")
            .arg(&data)
            .args(["-o", &options, "-w", "-l"])
            .arg(dir.join("log"))
            .arg("start"));
        let url = format!("postgres://bot@localhost/postgres?host={}", dir.display());
        ThrowawayPostgres { folder, bin, url }
    }

    pub fn folder(&self) -> &Path {
        self.folder.path()
    }
}

impl Drop for ThrowawayPostgres {
    fn drop(&mut self) {
        let data = self.folder.path().join("data");
        let _ = as_postgres(&self.bin, "pg_ctl").arg("-D").arg(data).args(["-m", "immediate", "stop"]).output();
    }
}

fn as_postgres(bin: &Path, tool: &str) -> Command {
    let mut command = Command::new("runuser");
    command.args(["-u", "postgres", "--"]).arg(bin.join(tool));
    command
}

fn run(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}
