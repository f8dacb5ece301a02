# SQLCipher 4.5.5 (SQLite 3.42) built from the amalgamation that packaging/dev.sh setup fetches
# from the npm registry and checks against its sha512 integrity. Never committed.
if(NOT EXISTS "${VERBATIM_SQLCIPHER_DIR}/sqlite3.c")
  message(FATAL_ERROR "SQLCipher amalgamation not found in ${VERBATIM_SQLCIPHER_DIR}: run packaging/dev.sh setup")
endif()
add_library(sqlcipher STATIC "${VERBATIM_SQLCIPHER_DIR}/sqlite3.c")
target_include_directories(sqlcipher SYSTEM PUBLIC "${VERBATIM_SQLCIPHER_DIR}")
target_compile_definitions(sqlcipher
  PUBLIC SQLITE_HAS_CODEC
  PRIVATE SQLCIPHER_CRYPTO_OPENSSL SQLITE_ENABLE_FTS5 SQLITE_TEMP_STORE=3 SQLITE_THREADSAFE=1
          SQLITE_SECURE_DELETE SQLITE_OMIT_LOAD_EXTENSION SQLITE_DQS=0 SQLITE_DEFAULT_FOREIGN_KEYS=1)
# The amalgamation is third-party code: build it optimised and quiet even in debug/sanitizer builds.
target_compile_options(sqlcipher PRIVATE -O2 -w)
if(VERBATIM_SANITIZE)
  target_compile_options(sqlcipher PRIVATE -fno-sanitize=all)
endif()
target_link_libraries(sqlcipher PUBLIC OpenSSL::Crypto Threads::Threads ${CMAKE_DL_LIBS} m)
