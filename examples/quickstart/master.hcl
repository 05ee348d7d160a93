# The quickstart master: `make run` starts it on embedded defaults (SQLite
# under ./basedir, REST API and web server on http://127.0.0.1:8010).
# prepare.sh created basedir/repo, a small git repository the builder checks
# out; commit to it and force a build to see got_revision change.

master {
  title   = "bbhost quickstart"
  basedir = "basedir"
}

database { url = "sqlite:///state.sqlite" }

www { listen = "127.0.0.1:8010" }

# Runs steps in the bbhost-plugin-local process, under basedir/workers/local-1.
worker "local" "local-1" {
  max_builds = 2
}

builder "hello" {
  workers     = ["local-1"]
  description = "checks out the quickstart repository and runs its scripts"
  tags        = ["quickstart"]
  properties  = { greeting = "hello" }

  step "git" {
    repourl = abspath("basedir/repo")
    branch  = "main"
    mode    = "full"
    method  = "clobber"
  }
  step "shell" "say-hello" {
    command = ["sh", "-c", "./hello.sh; echo 'greeting: %(prop:greeting)s, revision %(prop:got_revision)s'"]
  }
  step "shell" "test" {
    command         = ["./test.sh"]
    halt_on_failure = true
  }
}

# POST /api/v2/forceschedulers/force {"method": "force", ...} or `bbhost force`.
scheduler "force" "force" {
  builders = ["hello"]
}

# A build every ten minutes, the first one right after the first start.
scheduler "periodic" "every-10m" {
  builders             = ["hello"]
  periodic_build_timer = "10m"
}
