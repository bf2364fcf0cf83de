// Package console gives the Windows GUI build of Groupcast a console to
// print to when it is run as a command (Attach). Elsewhere a program
// always has the standard streams it was started with, and Attach does
// nothing.
package console
