#!/bin/bash
echo alpha ok
