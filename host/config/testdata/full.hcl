# Every top-level block of SPEC §3, each attribute the host reads, and every
# built-in step kind. Loaded by TestFullExample without diagnostics.

locals {
  repo      = "/srv/git/app.git"
  suite     = lower("UNIT")
  builders  = ["app-test", "app-deploy"]
  db_name   = env("BBHOST_FULL_DB", "ci")
  timeout   = format("%dm", 15)
  all_props = merge(local.common_props, { suite = local.suite })
}

locals {
  common_props = { team = "platform", retries = 2 }
}

master {
  name              = "ci-1"
  title             = "Example CI"
  url               = "https://ci.example.org"
  basedir           = "state"
  log_compression   = "gz"
  log_encoding      = "utf-8"
  collapse_requests = false
  change_horizon    = 1000
  properties        = { site = "example" }
}

database {
  url          = "postgres://bbhost@127.0.0.1:5432/${local.db_name}"
  commit_delay = "5ms"
}

mq {
  type = "nats"
  url  = "nats://127.0.0.1:4222"
}

www {
  listen          = "127.0.0.1:8010"
  allowed_origins = ["https://ci.example.org"]
}

protocol "pb" {
  listen = "127.0.0.1:9989"
}

protocol "msgpack" {
  listen = ":9990"
}

plugin "git" {
  source = "plugins/bbhost-plugin-git"
  sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"
}

worker "remote" "linux-1" {
  password   = env("LINUX1_PASSWORD", "secret")
  max_builds = 2
  properties = { os = "linux" }
}

worker "local" "local-1" {}

change_source "git" "app" {
  repourl       = local.repo
  branches      = ["main"]
  poll_interval = "10s"
}

scheduler "single_branch" "on-main" {
  branch            = "main"
  tree_stable_timer = 2
  builders          = ["app-test"]
  properties        = { reason = "push" }
}

scheduler "force" "force" {
  builders = local.builders
}

scheduler "nightly" "nightly" {
  cron     = "0 3 * * 1-5"
  builders = ["app-test"]
}

scheduler "triggerable" "deploy" {
  builders = ["app-deploy"]
}

builder "app-test" {
  workers            = ["local-1", "linux-1"]
  collapse_requests  = true
  tags               = ["app"]
  description        = "Unit tests"
  project            = "app"
  properties         = local.all_props
  default_properties = { verbose = false }
  locks              = ["one-db-test", { name = "deploys", access = "exclusive" }]
  next_worker        = "first"
  next_build         = "newest"
  workerbuilddir     = "app-test"
  env                = { CI = "1" }

  step "git" {
    repourl = local.repo
    branch  = "main"
    mode    = "full"
    method  = "clobber"
    shallow = true
  }

  step "shell" "unit" {
    command         = ["sh", "-c", "make test SUITE=%(prop:suite)s"]
    halt_on_failure = true
    timeout         = local.timeout
    max_time        = "1h30m"
    decode_rc       = { 0 = "success", 1 = "warnings", 2 = 2 }
    logfiles        = { junit = "build/junit.xml" }
    env             = { GOFLAGS = "-count=1" }
    locks           = [{ name = "one-db-test", access = "counting" }]
    description     = ["running", "tests"]
    do_step_if      = "%(prop:run_tests:-true)s"
  }

  step "shell" "lint" {
    command          = "make lint"
    warn_on_failure  = true
    flunk_on_failure = false
    hide_step_if     = false
  }

  step "set_property" {
    property = "stage"
    value    = { name = "test", attempt = 1 }
  }

  step "set_property_from_command" "version" {
    command  = "git describe --tags"
    property = "version"
  }

  step "file_upload" {
    workersrc  = "build/app.tar.gz"
    masterdest = "artifacts/%(prop:buildnumber)s/app.tar.gz"
    mode       = "0644"
    maxsize    = 104857600
  }

  step "file_download" {
    mastersrc  = "tools/deploy.sh"
    workerdest = "deploy.sh"
    mode       = "0755"
  }

  step "string_download" {
    s          = "%(prop:version)s\n"
    workerdest = "VERSION"
  }

  step "mkdir" {
    dir = "build/out"
  }

  step "rmdir" {
    dir        = "build/tmp"
    always_run = true
  }

  step "trigger" {
    scheduler_names = ["deploy"]
    wait_for_finish = true
    set_properties  = { target = "staging" }
    copy_properties = ["version"]
  }
}

builder "app-deploy" {
  workers = ["linux-1"]

  step "shell" "deploy" {
    command = ["./deploy.sh", "%(prop:target:-staging)s"]
  }
}

change_hook "github" {
  secret = env("GITHUB_HOOK_SECRET", "s3cret")
  strict = true
}

change_hook "base" {}

user_manager "commandline" "users" {
  listen   = "127.0.0.1:9991"
  username = "admin"
  password = env("UM_PASS", "admin")
}

lock "worker" "one-db-test" {
  max_count            = 2
  max_count_for_worker = { "linux-1" = 1 }
}

lock "master" "deploys" {}

metrics {
  log_interval = "60s"
}

caches {
  changes = 100
  builds  = 500
}

manhole {
  listen          = "127.0.0.1:2222"
  authorized_keys = file("manhole_keys")
}
