package cli

import "testing"

// --online wins over retort.toml's online, which wins over the default.
func TestOnlineValue(t *testing.T) {
	f, tr := false, true
	tests := []struct {
		name string
		flag []string // given --online values
		toml *bool
		want bool
	}{
		{"default", nil, nil, true},
		{"toml off", nil, &f, false},
		{"toml on", nil, &tr, true},
		{"flag off", []string{"false"}, nil, false},
		{"flag on beats toml off", []string{"true"}, &f, true},
		{"flag off beats toml on", []string{"false"}, &tr, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := &Env{cfg: &Config{Online: tt.toml}}
			env.online.v = true
			for _, v := range tt.flag {
				if err := env.online.Set(v); err != nil {
					t.Fatal(err)
				}
			}
			if got := env.onlineValue(); got != tt.want {
				t.Errorf("onlineValue() = %v, want %v", got, tt.want)
			}
		})
	}
}
