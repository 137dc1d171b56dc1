# Writes OUT with the current git hash (and a -dirty mark), only when it changed, so that a build
# records the commit it was built from, not the one CMake was configured at.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC}
                OUTPUT_VARIABLE hash OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT hash)
  set(hash unknown)
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no WORKING_DIRECTORY ${SRC}
                  OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(dirty)
    # Uncommitted changes: name them by a hash of the diff, so that two different dirty builds of
    # one commit never pass for each other (a sweep resumes only results of the same build).
    execute_process(COMMAND git diff HEAD WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE diff ERROR_QUIET)
    string(SHA1 diff_hash "${diff}")
    string(SUBSTRING "${diff_hash}" 0 8 diff_hash)
    set(hash "${hash}-dirty-${diff_hash}")
  endif()
endif()
set(content "#pragma once\n#define WAFERSIM_GIT_HASH \"${hash}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL content)
  file(WRITE ${OUT} "${content}")
endif()
