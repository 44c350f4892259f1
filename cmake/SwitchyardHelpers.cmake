# Helpers shared by every component's CMakeLists.txt.

# sy_add_test(NAME SOURCES... LIBS...): a gtest binary registered with CTest,
# labelled "unit" (no root, no EAL).
function(sy_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${SY_WARNINGS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
  set_property(GLOBAL APPEND PROPERTY SY_CHECK_TARGETS ${name})
endfunction()

# sy_generate_proto(TARGET NAME PROTO_ROOT DIR PROTOS files...): a static
# library of the protobuf and gRPC C++ code generated from PROTOS (paths
# relative to PROTO_ROOT) into the build tree; never committed.
function(sy_generate_proto)
  cmake_parse_arguments(ARG "" "TARGET;PROTO_ROOT" "PROTOS" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out})
  set(srcs)
  foreach(proto ${ARG_PROTOS})
    string(REGEX REPLACE "\\.proto$" "" base ${proto})
    set(gen ${out}/${base}.pb.cc ${out}/${base}.pb.h ${out}/${base}.grpc.pb.cc ${out}/${base}.grpc.pb.h)
    add_custom_command(
      OUTPUT ${gen}
      COMMAND protobuf::protoc
        --proto_path=${ARG_PROTO_ROOT} --cpp_out=${out} --grpc_out=${out}
        --plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>
        ${ARG_PROTO_ROOT}/${proto}
      DEPENDS ${ARG_PROTO_ROOT}/${proto} protobuf::protoc gRPC::grpc_cpp_plugin
      COMMENT "protoc ${proto}")
    list(APPEND srcs ${out}/${base}.pb.cc ${out}/${base}.grpc.pb.cc)
  endforeach()
  add_library(${ARG_TARGET} STATIC ${srcs})
  target_include_directories(${ARG_TARGET} SYSTEM PUBLIC ${out})
  target_link_libraries(${ARG_TARGET} PUBLIC gRPC::grpc++ protobuf::libprotobuf)
endfunction()

# sy_add_bpf(TARGET NAME SOURCE file.bpf.c INCLUDES dirs...): compiles an
# eBPF program with clang -target bpf and generates its libbpf skeleton
# (NAME.skel.h, with bpftool gen skeleton) into the build tree. TARGET is an
# INTERFACE library whose include path has the skeleton.
function(sy_add_bpf)
  cmake_parse_arguments(ARG "" "TARGET;NAME;SOURCE" "INCLUDES" ${ARGN})
  find_program(SY_CLANG clang REQUIRED)
  find_program(SY_BPFTOOL bpftool PATHS /usr/sbin REQUIRED)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  file(MAKE_DIRECTORY ${out})
  set(includes)
  foreach(dir ${ARG_INCLUDES})
    list(APPEND includes -I${dir})
  endforeach()
  execute_process(COMMAND uname -m OUTPUT_VARIABLE arch OUTPUT_STRIP_TRAILING_WHITESPACE)
  add_custom_command(
    OUTPUT ${out}/${ARG_NAME}.bpf.o ${out}/${ARG_NAME}.skel.h
    COMMAND ${SY_CLANG} -O2 -g -Wall -Werror -target bpf -I/usr/include/${arch}-linux-gnu
            ${includes} -c ${ARG_SOURCE} -o ${out}/${ARG_NAME}.bpf.o
    COMMAND ${SY_BPFTOOL} gen skeleton ${out}/${ARG_NAME}.bpf.o name ${ARG_NAME} > ${out}/${ARG_NAME}.skel.h
    DEPENDS ${ARG_SOURCE}
    COMMENT "bpf ${ARG_NAME}")
  add_custom_target(${ARG_TARGET}_gen DEPENDS ${out}/${ARG_NAME}.skel.h)
  add_library(${ARG_TARGET} INTERFACE)
  add_dependencies(${ARG_TARGET} ${ARG_TARGET}_gen)
  target_include_directories(${ARG_TARGET} SYSTEM INTERFACE ${out})
endfunction()
