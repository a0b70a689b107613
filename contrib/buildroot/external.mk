# SPDX-License-Identifier: ISC
include $(sort $(wildcard $(BR2_EXTERNAL_LETTERD_PATH)/letterd/*.mk))
