# The Debian package (scripts/package; docs/fleet.md): what Debian policy asks
# beyond the install rules (a man page compressed with gzip -9n, copyright and
# changelog in /usr/share/doc/civiup) and the CPack DEB generator's settings.
# Everything else in the package is what the install rules install, so a
# runtime file that gets an install() rule is packaged without a change here.

set(CIVIUP_PACKAGE_MAINTAINER "civiup maintainers <maintainers@civiup.org>"
    CACHE STRING "the package's Maintainer field (Name <address>)")
set(package_dir ${CMAKE_BINARY_DIR}/package)
file(MAKE_DIRECTORY ${package_dir}/gz)
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in ${package_dir}/changelog @ONLY)

# gzip -9n: best compression and no name or time stamp, so the package is
# reproducible (Debian policy 12.1 and 12.7; lintian checks both).
find_program(CIVIUP_GZIP gzip REQUIRED)
function(civiup_gzip input name)
  add_custom_command(OUTPUT ${package_dir}/${name}.gz
    COMMAND ${CMAKE_COMMAND} -E copy ${input} ${package_dir}/gz/${name}
    COMMAND ${CIVIUP_GZIP} -9nf ${package_dir}/gz/${name}
    COMMAND ${CMAKE_COMMAND} -E rename ${package_dir}/gz/${name}.gz ${package_dir}/${name}.gz
    DEPENDS ${input} VERBATIM)
endfunction()
civiup_gzip(${PROJECT_SOURCE_DIR}/docs/civiup.1 civiup.1)
civiup_gzip(${package_dir}/changelog changelog)
add_custom_target(civiup_package_docs ALL DEPENDS ${package_dir}/civiup.1.gz ${package_dir}/changelog.gz)

install(FILES ${package_dir}/civiup.1.gz DESTINATION share/man/man1)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright ${package_dir}/changelog.gz DESTINATION share/doc/civiup)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME civiup)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${CIVIUP_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CIVIUP_PACKAGE_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # civiup_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends from the libraries the binary links (dpkg-shlibdeps), nothing else:
# no compiler, no server, no test tools.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "transactional CiviCRM upgrades for Backdrop CMS sites")
set(CPACK_PACKAGE_DESCRIPTION
    "civiup upgrades CiviCRM on a Backdrop CMS site as one transaction: it
snapshots the code and both databases, stages the new release outside the
web root, swaps it in atomically, runs the database upgrade, verifies the
site, and restores everything if any step fails. It also rolls a site back
to its pre-upgrade snapshot, recovers runs a crash interrupted, and
rehearses an upgrade on a copy. Its JSON output and stable exit codes let
Ansible drive it across many sites.")
include(CPack)
