package lockfiles

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/fnguard/fnguard/internal/ecosystem"
)

// Composer writes vendor/composer/installed.json as a bare array (Composer
// 1) or as {"packages": [...]} (Composer 2). scalibr has no extractor for it,
// and it is what a PHP deployment package actually ships.
type composerPackage struct {
	Name    string          `json:"name"`
	Version string          `json:"version"`
	License json.RawMessage `json:"license"`
	Require map[string]any  `json:"require"`
}

// parseComposerInstalled reads an installed.json.
func parseComposerInstalled(data []byte) ([]composerPackage, error) {
	var v2 struct {
		Packages *[]composerPackage `json:"packages"`
	}
	if err := json.Unmarshal(data, &v2); err == nil && v2.Packages != nil {
		return *v2.Packages, nil
	}
	var v1 []composerPackage
	if err := json.Unmarshal(data, &v1); err != nil {
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) == nil {
			return nil, errors.New("neither a Composer 1 array nor a Composer 2 object with \"packages\"")
		}
		return nil, jsonError(data, err)
	}
	return v1, nil
}

// composerVersion strips the "v" Composer keeps from tags (v5.4.1), which
// advisories do not carry.
func composerVersion(v string) string {
	if len(v) > 1 && (v[0] == 'v' || v[0] == 'V') && v[1] >= '0' && v[1] <= '9' {
		return v[1:]
	}
	return v
}

func (r *reader) findComposer(v *vfs, m *merger) error {
	for _, n := range v.names {
		if path.Base(n) != "installed.json" || path.Base(path.Dir(n)) != "composer" || path.Base(path.Dir(path.Dir(n))) != "vendor" {
			continue
		}
		data, err := v.readFile(n)
		if err != nil {
			return &memberErr{n, err}
		}
		pkgs, err := parseComposerInstalled(data)
		if err != nil {
			return &memberErr{n, fmt.Errorf("composer installed.json: %w", err)}
		}
		for _, p := range pkgs {
			if p.Name == "" || !strings.Contains(p.Name, "/") {
				return &memberErr{n, fmt.Errorf("composer installed.json: package name %q is not vendor/name", truncate(p.Name, 80))}
			}
			var lic []string
			var one string
			if json.Unmarshal(p.License, &one) == nil && one != "" {
				lic = []string{one}
			} else {
				_ = json.Unmarshal(p.License, &lic)
			}
			m.addPackage(&Package{Ecosystem: ecosystem.Packagist, Name: p.Name, Version: composerVersion(p.Version), Licenses: lic},
				rankInstalled, n)
		}
	}
	return nil
}
