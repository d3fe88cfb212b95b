/** The flags every Octave the grader starts gets: no GUI, no user's startup files, no history (without --no-history Octave 7.3 prints an exception as it exits). */
export const OCTAVE_FLAGS = ['--no-gui', '--no-window-system', '--norc', '--no-history', '--quiet'];
