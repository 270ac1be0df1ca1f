# Compiling sources in batches: one translation unit #includes several .cc files, so the
# heavy headers (nlohmann/json, cpp-httplib, valijson, GoogleTest) are parsed, and their
# templates instantiated and optimized, once per batch instead of once per file. A cold
# build of the library takes about a third of the time (BENCHMARKS.md, "Build").
#
# CMake's own UNITY_BUILD writes absolute paths into its batch files, so a clone at another
# path misses the compiler cache; these batches name each source relative to the project,
# found through an include directory that ccache's CCACHE_BASEDIR makes relative too.
#
# EPMOCK_BATCH_SIZE sources per batch; 1 compiles every source on its own (a developer
# editing one file of a large batch may prefer it).
set(EPMOCK_BATCH_SIZE 8 CACHE STRING "Sources compiled together in one translation unit (1: each on its own)")

# epmock_batched_sources(<target> <source>...): adds the sources, paths relative to the
# project's root, to <target>, compiled EPMOCK_BATCH_SIZE at a time.
function(epmock_batched_sources target)
  if(EPMOCK_BATCH_SIZE LESS_EQUAL 1)
    list(TRANSFORM ARGN PREPEND "${PROJECT_SOURCE_DIR}/" OUTPUT_VARIABLE sources)
    target_sources(${target} PRIVATE ${sources})
    return()
  endif()
  set(directory "${CMAKE_CURRENT_BINARY_DIR}/batches/${target}")
  set(content "")
  set(count 0)
  set(index 0)
  set(batches "")
  list(LENGTH ARGN total)
  foreach(source IN LISTS ARGN)
    string(APPEND content "#include \"${source}\"\n")
    math(EXPR count "${count} + 1")
    math(EXPR total "${total} - 1")
    if(count EQUAL EPMOCK_BATCH_SIZE OR total EQUAL 0)
      set(batch "${directory}/batch_${index}.cc")
      # Written only when it changes, so a reconfigure does not recompile.
      file(CONFIGURE OUTPUT "${batch}" CONTENT "${content}" @ONLY)
      list(APPEND batches "${batch}")
      set(content "")
      set(count 0)
      math(EXPR index "${index} + 1")
    endif()
  endforeach()
  # The sources stay in the target (for IDEs and for the batches' dependencies) but are
  # compiled only through their batch.
  list(TRANSFORM ARGN PREPEND "${PROJECT_SOURCE_DIR}/" OUTPUT_VARIABLE sources)
  set_source_files_properties(${sources} TARGET_DIRECTORY ${target} PROPERTIES HEADER_FILE_ONLY ON)
  target_sources(${target} PRIVATE ${sources} ${batches})
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # A class of one source holding a type of its anonymous namespace is fine in that source;
    # GCC warns once the source is #included, as if it were a header.
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
  endif()
endfunction()
