################################################################################
#
# letterd
#
################################################################################
# SPDX-License-Identifier: ISC

# The same version as LETTERD_VERSION in config.h; tests/packaging.sh
# checks that they agree.
LETTERD_VERSION = 0.2.0
# A local package: the source is a letterd checkout.  Used as the
# BR2_EXTERNAL tree contrib/buildroot, that is the checkout which holds
# it, two directories up.  Copied into Buildroot's package/ instead, set
# LETTERD_SITE here (or on make's command line) to the checkout's path
# (README.md beside this file).  For a release tarball, set LETTERD_SITE to
# the directory it is published in and remove LETTERD_SITE_METHOD; no
# tarball is published yet.
ifneq ($(BR2_EXTERNAL_LETTERD_PATH),)
LETTERD_SITE ?= $(BR2_EXTERNAL_LETTERD_PATH)/../..
endif
LETTERD_SITE_METHOD = local
LETTERD_LICENSE = ISC
LETTERD_LICENSE_FILES = LICENSE

# The local site method copies the checkout as it is, a letterd, mkpage
# and objects of the build machine included, with their times: make clean
# first, or make would take the build machine's letterd as up to date.
# letterd's Makefile assigns CC, CFLAGS and LDFLAGS, so they go on make's
# command line, where they win; in the environment they would not.  mkpage,
# which embeds the page, runs on the build machine: HOSTCC.
define LETTERD_BUILD_CMDS
	$(MAKE) -C $(@D) clean
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) $(TARGET_CONFIGURE_OPTS) \
		HOSTCC="$(HOSTCC)" letterd
endef

# Only the binary: the target has no man pages.
define LETTERD_INSTALL_TARGET_CMDS
	$(INSTALL) -D -m 0755 $(@D)/letterd $(TARGET_DIR)/usr/bin/letterd
endef

define LETTERD_INSTALL_INIT_SYSV
	$(INSTALL) -D -m 0755 $(@D)/contrib/init/S50letterd \
		$(TARGET_DIR)/etc/init.d/S50letterd
endef

# The unit runs /usr/local/bin/letterd (make install's default prefix);
# this package installs /usr/bin/letterd.
define LETTERD_INSTALL_INIT_SYSTEMD
	$(INSTALL) -D -m 0644 $(@D)/contrib/letterd.service \
		$(TARGET_DIR)/usr/lib/systemd/system/letterd.service
	$(SED) 's|/usr/local/bin/letterd|/usr/bin/letterd|' \
		$(TARGET_DIR)/usr/lib/systemd/system/letterd.service
endef

$(eval $(generic-package))
