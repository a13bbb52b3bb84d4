module my-library

go 1.17

require (
	github.com/BurntSushi/toml v1.0.0
	gopkg.in/yaml.v2 v2.4.0
)
