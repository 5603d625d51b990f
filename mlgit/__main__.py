from mlgit.entry import main

main()
