from vaultcrm.cli import main

main()
