// Temporary (issue 25 helper), deleted after profiling.
import './densecl.bench.js';
import '../../../tools/bench/zz-kernel-cpu-profiler.tmp.js';
