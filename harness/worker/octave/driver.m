% The Octave worker: runs inside the student's environment, one process per submission, for
% packs whose hand-ins are MATLAB .m files. It speaks the protocol of the Python driver
% (harness/worker/driver.py) on the same private channel.
%
% Trust model. Everything here is on the student's side of the line. The driver calls the
% pack's probes, which call the student's functions, and writes what they return as .npy files;
% it never sees an expected value. The grader checks every reply (it counts only if it answers
% the request in flight and echoes that request's nonce) and reads the outputs itself from the
% folder it told the driver to write them in, so nothing the driver or the student's code says
% can turn a wrong answer into a pass. A student who reads the nonce out of this process, or
% writes into the reply channel, can at most spoil their own result.
%
% Started as
%   octave-cli --no-gui --no-window-system --norc --no-history --quiet <dir>/driver.m \
%     --submission DIR --req-fd 3 --rep-fd 4 [--path P ...]
% (--no-history matters: without it Octave 7.3 fails saving the history at exit). fd 3 carries
% requests to the driver and fd 4 replies from it, never stdin or stdout: what the student's
% code prints goes to stdout and stderr, which the grader keeps for the report and never parses.
% Each message is one line of JSON; a reply is written as "\n" + json + "\n", the leading newline
% ending any half line that got into the channel before it.
%
%   reply   {"type":"hello","pid":N,"environment":{"octave":"7.3.0"}}      once, at start-up
%   request {"type":"run","id":N,"nonce":"hex","probe":"/abs/probes/probe_x.m",
%            "inputs":{"x":"/abs/in/x.npy",...},"outdir":"/abs/out/dir","text":{"name":"str"}}
%   reply   {"type":"result","id":N,"nonce":"hex","ok":true,"outputs":{"g":"/abs/out/dir/g.npy"},
%            "seconds":S,"timing":{"arrays":A,"load":0,"run":R}}
%        or {"type":"result","id":N,"nonce":"hex","ok":false,"seconds":S,
%            "error":{"kind":"exception"|"import"|"bad-output"|"memory","message":M,"traceback":T}}
%   request {"type":"run",...,"entry":"warm_up"}     answered ok with no outputs (nothing to warm)
%   request {"type":"selfcheck",...}                answered with an error: not supported here
%   request {"type":"exit"}                         ends the process at once
%
% A probe is a function file `function out = probe_x(in)`: `in` holds the inputs by name, `out`
% the outputs by name, each a real numeric or logical array. Arrays cross as .npy files (see
% dlgrade_npy_read.m and dlgrade_npy_write.m for how numpy's shapes map onto Octave's). The
% traceback holds only the student's frames (files under the submission), each with file and line.
% Outputs always travel as files: unlike the Python driver, none come inline in the reply.
%
% Name lookup. Octave looks a name up in the current folder first, then on the path, and only
% then among its built-ins, so a student's jsonencode.m or numel.m would otherwise replace what
% the driver calls. The driver's own code therefore runs with the driver's folder as the current
% folder and the submission off the path; only while a probe runs are the submission (current
% folder and path), the probes' folder and the guard folder on it. The switch in and out goes
% through `builtin`, which reaches Octave's own functions whatever shadows them, and a request
% is refused while the submission holds a file named builtin (or the probe's own name).
%
% Shell commands. guard/ holds functions named like those that start programs (system, unix,
% popen, exec, fork, pkg, javaMethod, ...): each raises an error that says the call is not
% allowed. This is a message for honest code only: builtin('system', ...) goes past it. The
% sandbox (harness/worker/sandbox.ts: no network, read-only system, own PID namespace) and the
% limits the launcher applies are the barrier.
dlgrade_here = fileparts (builtin ('mfilename', 'fullpath'));
% Away from the submission (the launcher may start us in it) before any other name is looked up.
builtin ('cd', dlgrade_here);
builtin ('addpath', dlgrade_here);
dlgrade_main (builtin ('argv'), dlgrade_here);
