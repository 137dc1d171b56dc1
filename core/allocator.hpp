#pragma once
// Process-wide allocator policy for Monte Carlo work.
//
// A yield study allocates and frees the same tens of megabytes for every wafer (defect map, fabric,
// traversal arrays). glibc's default returns such blocks to the kernel on free (mmap threshold,
// heap trimming) and the next wafer faults every page back in: on a WSE-2-scale wafer that was a
// quarter of the run time (bench/mesh_bench, 228 ms -> 166 ms per wafer). Keeping freed memory in
// the process, as jemalloc and tcmalloc do by default, costs nothing but a higher resident size
// at the peak the run reaches anyway. Call once at the start of main; a no-op off glibc.
#include <cstddef>

namespace wafersim {

void keep_freed_memory_for_reuse();

// Peak resident set size of this process so far (VmHWM), in bytes; 0 where /proc is unavailable.
std::size_t peak_resident_bytes();

// Memory a single process can hope to get: the machine's physical memory, or the address-space
// limit (ulimit -v) where that is lower. Work sized beyond it is refused before it allocates.
std::size_t usable_memory_bytes();

}  // namespace wafersim
