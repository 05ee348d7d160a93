# The `custom` force scheduler of buildbot/master.cfg, in HCL.
button_name   = "Go!"
label         = "Custom force"
reason_string = "forced by %(owner)s because %(reason)s"
reason {
  label    = "Why:"
  required = true
  size     = 50
  regex    = "^[a-z ]+$"
  maxsize  = 30
}
username {
  label      = "Who:"
  need_email = false
  size       = 40
}
codebase {
  omit  = ["revision"]
  fixed = { project = "proj" }
  branch {
    default = "main"
    regex   = "^[\\w./-]+$"
  }
}
codebase {
  codebase = "lib"
  fixed    = { repository = "https://x/lib.git" }
}
codebase {
  codebase = "docs"
  name     = "d"
  label    = "Documentation"
  columns  = 3
}
property {
  name     = "s1"
  label    = "S one"
  default  = "x"
  tablabel = "T1"
  hide     = false
}
property {
  type    = "text"
  name    = "t1"
  cols    = 40
  rows    = 5
  default = "multi"
}
property {
  type     = "int"
  name     = "i1"
  default  = 3
  required = true
}
property {
  type = "int"
  name = "i2"
}
property {
  type    = "bool"
  name    = "b1"
  default = true
}
property {
  type = "bool"
  name = "b2"
}
property {
  type    = "choice"
  name    = "c1"
  choices = ["a", "b", "c"]
  default = "a"
}
property {
  type     = "choice"
  name     = "c2"
  choices  = ["x", "y"]
  multiple = true
  defaults = ["x"]
  strict   = false
}
property {
  type    = "fixed"
  name    = "f1"
  default = "fixed!"
}
property {
  type = "workername"
}
property {
  type  = "username"
  name  = "u2"
  label = "Email"
}
property {
  type   = "nested"
  name   = "grp"
  label  = "Group"
  layout = "tabs"
  field {
    name    = "inner"
    default = "in"
  }
  field {
    type = "nested"
    field {
      type    = "int"
      name    = "deep"
      default = 7
    }
  }
  field {
    type = "nested"
    name = "sub"
    field { name = "x" }
  }
}
property {
  type   = "nested"
  label  = "Anon"
  field {
    name    = "flat"
    maxsize = 3
  }
}
property {
  type = "any_property"
  name = "any1"
}
property {
  name         = "auto"
  autopopulate = { a = { s1 = "yes" } }
}
