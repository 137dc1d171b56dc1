# The installed wafersim as a user and a downstream project meet it (ctest -L install):
#  1. `cmake --install BUILD_DIR --prefix P`, P a fresh folder outside the source tree;
#  2. P/bin/wafersim and the libraries find each other by their RUNPATH ($ORIGIN/../lib, $ORIGIN),
#     nothing in P names the build or source tree;
#  3. a small sweep with its charts, run from a folder outside the source tree: results.csv and
#     plots/*.png, drawn by P/share/wafersim/scripts/plot_sweep.py (with WAFERSIM_PYTHON=/bin/echo
#     the tool shows which script it starts);
#  4. a project of its own (consumer/) configured with CMAKE_PREFIX_PATH=P: find_package(wafersim),
#     every installed header compiled, and a Wafer built from YAML through wafersim::mesh whose
#     site count equals the count `P/bin/wafersim defects` reports for the same wafer, and a hand
#     count.
# P is removed when every check passes and kept (its path printed) when one fails.
# -D arguments: BUILD_DIR SOURCE_DIR CXX_COMPILER BUILD_TYPE HAS_RTL BINDIR LIBDIR INCLUDEDIR DATADIR
cmake_minimum_required(VERSION 3.25)

foreach(arg BUILD_DIR SOURCE_DIR CXX_COMPILER HAS_RTL BINDIR LIBDIR INCLUDEDIR DATADIR)
  if(NOT DEFINED ${arg})
    message(FATAL_ERROR "install test: -D${arg}=... missing")
  endif()
endforeach()

if(DEFINED ENV{TMPDIR} AND IS_DIRECTORY "$ENV{TMPDIR}")
  set(tmp "$ENV{TMPDIR}")
else()
  set(tmp /tmp)
endif()
string(RANDOM LENGTH 10 tag)
file(REAL_PATH "${tmp}" tmp)
set(work "${tmp}/wafersim-install-test-${tag}")
file(REAL_PATH "${SOURCE_DIR}" source_real)
cmake_path(IS_PREFIX source_real "${work}" NORMALIZE work_in_source)
if(work_in_source)
  message(FATAL_ERROR "install test: the temporary folder ${work} is inside the source tree; set TMPDIR elsewhere")
endif()
set(prefix "${work}/prefix")
file(MAKE_DIRECTORY "${work}/run")

function(fail why)
  message(FATAL_ERROR "install test: ${why}\n(the prefix and the runs are left in ${work})")
endfunction()

# must(<what> <output variable> <command...>): runs the command in ${work}/run without
# LD_LIBRARY_PATH, fails the test unless it exits 0; stdout and stderr together into the variable.
function(must what var)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${ARGN}
                  WORKING_DIRECTORY "${work}/run" OUTPUT_VARIABLE out ERROR_VARIABLE out RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(JOIN ARGN " " line)
    fail("${what} failed (${rc}): ${line}\n${out}")
  endif()
  set(${var} "${out}" PARENT_SCOPE)
endfunction()

function(must_exist)
  foreach(f IN LISTS ARGN)
    if(NOT EXISTS "${prefix}/${f}")
      fail("${prefix}/${f} was not installed")
    endif()
  endforeach()
endfunction()

# 1. Install.
must("cmake --install" out ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
set(libs core mesh sim compiler)
if(HAS_RTL)
  list(APPEND libs rtl)
endif()
set(wafersim "${prefix}/${BINDIR}/wafersim")
must_exist(${BINDIR}/wafersim
           ${INCLUDEDIR}/wafersim/core/build_info.hpp ${INCLUDEDIR}/wafersim/mesh/wafer.hpp ${INCLUDEDIR}/wafersim/mesh/yield_model.hpp
           ${INCLUDEDIR}/wafersim/sim/engine.hpp ${INCLUDEDIR}/wafersim/compiler/onnx_import.hpp
           ${DATADIR}/wafersim/scripts/plot_sweep.py ${DATADIR}/wafersim/scripts/plot_noc.py ${DATADIR}/wafersim/scripts/wafersim_labels.py
           ${DATADIR}/wafersim/configs/systems/mesh-8x8.yaml ${DATADIR}/wafersim/workloads/gpt2-small.yaml
           ${LIBDIR}/cmake/wafersim/wafersimConfig.cmake ${LIBDIR}/cmake/wafersim/wafersimConfigVersion.cmake
           ${LIBDIR}/cmake/wafersim/wafersimTargets.cmake)
foreach(l IN LISTS libs)
  must_exist(${LIBDIR}/libwafersim_${l}.so)
endforeach()
if(NOT HAS_RTL AND EXISTS "${prefix}/${INCLUDEDIR}/wafersim/rtl")
  fail("a build without the RTL installed rtl/ headers")
endif()

# 2. Nothing installed points back at the build or the source tree; the RUNPATHs are relative.
file(GLOB package_files "${prefix}/${LIBDIR}/cmake/wafersim/*.cmake")
foreach(f IN LISTS package_files)
  file(READ "${f}" text)
  foreach(tree "${SOURCE_DIR}" "${BUILD_DIR}" "${source_real}")
    string(FIND "${text}" "${tree}" at)
    if(at GREATER -1)
      fail("${f} names ${tree}")
    endif()
  endforeach()
endforeach()
function(expect_runpath file expected)
  file(READ_ELF "${file}" RUNPATH runpath RPATH rpath)
  set(got "${runpath}${rpath}")
  if(NOT got STREQUAL expected)
    fail("${file}: RUNPATH '${got}', expected '${expected}'")
  endif()
endfunction()
file(RELATIVE_PATH bin_to_lib "${prefix}/${BINDIR}" "${prefix}/${LIBDIR}")
expect_runpath("${wafersim}" "$ORIGIN/${bin_to_lib}")
foreach(l IN LISTS libs)
  expect_runpath("${prefix}/${LIBDIR}/libwafersim_${l}.so" "$ORIGIN")
endforeach()
file(REAL_PATH "${prefix}" prefix_real)
find_program(LDD ldd)
if(LDD)
  must("ldd" ldd_out ${LDD} "${wafersim}")
  foreach(l IN LISTS libs)
    if(NOT ldd_out MATCHES "libwafersim_${l}\\.so => ([^ ]+) ")
      fail("ldd ${wafersim} does not resolve libwafersim_${l}.so:\n${ldd_out}")
    endif()
    file(REAL_PATH "${CMAKE_MATCH_1}" resolved)
    if(NOT resolved STREQUAL "${prefix_real}/${LIBDIR}/libwafersim_${l}.so")
      fail("${wafersim} loads ${resolved}, not the installed libwafersim_${l}.so:\n${ldd_out}")
    endif()
  endforeach()
endif()
must("wafersim --version" version_out "${wafersim}" --version)
message(STATUS "installed: ${version_out}")

# 3. A small sweep with charts, from ${work}/run (outside the source tree).
# A 100 mm wafer, 3 mm edge exclusion, 4 mm tiles on a grid through the centre: a tile is a site
# when its far corner lies within 47 mm, (a^2 + b^2) * 16 <= 47^2 for a, b >= 1: 98 per quadrant.
set(wafer_yaml "{diameter_mm: 100, edge_exclusion_mm: 3, tile: {width_mm: 4, height_mm: 4}}")
set(hand_sites 392)
file(WRITE "${work}/run/system.yaml"
     "name: install-test\nwafer: ${wafer_yaml}\ndefects: {model: poisson, d0_per_cm2: 1}\nrepair: {strategy: none}\n")
file(WRITE "${work}/run/sweep.yaml"
     "name: install-test\nsystem: system.yaml\nseed: 1\nreplicates: 4\naxes:\n  - key: defects.d0_per_cm2\n    values: [0.5, 2, 8]\n")
must("wafersim sweep" sweep_out "${wafersim}" sweep sweep.yaml --out out --jobs 2)
if(NOT EXISTS "${work}/run/out/results.csv")
  fail("the sweep wrote no results.csv:\n${sweep_out}")
endif()
file(GLOB charts "${work}/run/out/plots/*.png")
if(NOT charts)
  fail("the sweep drew no charts (plots/*.png):\n${sweep_out}")
endif()
must("wafersim plot (echo)" echo_out ${CMAKE_COMMAND} -E env WAFERSIM_PYTHON=/bin/echo "${wafersim}" plot out)
set(script "${prefix_real}/${DATADIR}/wafersim/scripts/plot_sweep.py")
string(FIND "${echo_out}" "${script} out" at)
if(at EQUAL -1)
  fail("wafersim plot did not start the installed ${script}:\n${echo_out}")
endif()
list(LENGTH charts chart_count)
message(STATUS "sweep from ${work}/run: results.csv and ${chart_count} chart(s) by ${script}")

must("wafersim defects" defects_out "${wafersim}" defects system.yaml --out defects)
if(NOT defects_out MATCHES "([0-9]+) tile sites")
  fail("wafersim defects printed no site count:\n${defects_out}")
endif()
set(tool_sites ${CMAKE_MATCH_1})
if(NOT tool_sites EQUAL hand_sites)
  fail("wafersim defects counts ${tool_sites} sites, the hand count is ${hand_sites}")
endif()

# 4. A downstream project.
set(consumer_args -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DEXPECT_RTL=${HAS_RTL})
if(BUILD_TYPE)
  list(APPEND consumer_args -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
must("configuring the consumer" configure_out ${CMAKE_COMMAND} -S "${CMAKE_CURRENT_LIST_DIR}/consumer" -B "${work}/consumer" ${consumer_args})
must("building the consumer" build_out ${CMAKE_COMMAND} --build "${work}/consumer" -j 2)
must("running the consumer" consumer_out "${work}/consumer/consumer" "${wafer_yaml}")
if(NOT consumer_out MATCHES "sites ([0-9]+)")
  fail("the consumer printed no site count:\n${consumer_out}")
endif()
if(NOT CMAKE_MATCH_1 EQUAL tool_sites)
  fail("the consumer counts ${CMAKE_MATCH_1} sites, wafersim defects ${tool_sites}")
endif()
message(STATUS "consumer (find_package(wafersim)): ${CMAKE_MATCH_1} sites, as wafersim defects and the hand count say")

file(REMOVE_RECURSE "${work}")
