// Package models is the braindump example's schema as GORM models: users
// write notes. cmd/schema prints it for retort (retort.toml's schema_cmd).
package models

// User writes notes.
type User struct {
	ID   uint
	Name string `gorm:"size:100;not null"`
}

// Note belongs to its author.
type Note struct {
	ID       uint
	Body     string
	AuthorID uint
	Author   User `gorm:"constraint:OnDelete:CASCADE"`
}
